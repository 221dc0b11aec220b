"""The HTML forms (WTForms through Flask-WTF), one module per area; every view imports them from here."""

from tracker.web.forms.accounts import (  # noqa: F401
    ChangePasswordForm,
    ChatSettingsForm,
    ConfirmLinkForm,
    DeleteAccountForm,
    DeleteUserForm,
    EmailSettingsForm,
    LinkAccountForm,
    ProviderSignInForm,
    RetentionForm,
    ReviewLimitsForm,
    SetupForm,
    SignInForm,
    SignUpForm,
    TimeZoneForm,
    TokenForm,
)
from tracker.web.forms.admin import (  # noqa: F401
    ArticleEditForm,
    ItemForm,
    LinksForm,
    ListingImportForm,
    MentorshipForm,
    PathEditorForm,
    PathStatusForm,
    RestoreForm,
    SectionForm,
    UserActionForm,
)
from tracker.web.forms.base import (  # noqa: F401
    TEXT_GUARD,
    Form,
    WholeNumberField,
)
from tracker.web.forms.learning import (  # noqa: F401
    CardImportForm,
    FoldForm,
    InvitationAnswerForm,
    MarkForm,
    NoteForm,
    PlanForm,
    RatingForm,
    RecallCardForm,
    ResourceForm,
    RestartForm,
    SuggestCardForm,
    TakeawayForm,
    UndoForm,
)
from tracker.web.forms.mentoring import (  # noqa: F401
    AssignForm,
    DueDateForm,
    InviteForm,
    ReplyForm,
)
from tracker.web.forms.personal import (  # noqa: F401
    AddArticleForm,
    AddResourceForm,
    ChangeDecisionForm,
    ForkForm,
    PathItemForm,
    RenameForm,
    ShareForm,
)
from tracker.web.forms.rules import (  # noqa: F401
    EditRuleForm,
    NewRuleForm,
)
from tracker.web.forms.second_factor import (  # noqa: F401
    BeginAppForm,
    ConfirmAppForm,
    DeletePasskeyForm,
    PasskeyNameForm,
    RemoveAppForm,
    RenewCodesForm,
    SecondStepForm,
)
from tracker.web.forms.teams import (  # noqa: F401
    AddMembersForm,
    ConfirmMembersForm,
    DeleteGroupForm,
    GroupForm,
    ManagerForm,
    NewGroupForm,
)
