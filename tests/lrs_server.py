"""Ralph's Learning Record Store, as the tests run it: its FastAPI server with the file backend.

Ralph's file backend indexes each write into a file that must not exist yet, so a second batch of
statements would be refused ("already exists"); the tests' server appends instead (the backend's own
APPEND operation), which makes it keep every statement like a production LRS does. Nothing else is changed.

    python -m tests.lrs_server PORT   (with the RALPH_* settings in the environment)
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

if __name__ == "__main__":
    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
