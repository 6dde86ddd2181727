"""The process one SSH session runs in (``duban serve``): duban's command line, with the PTY the
server opened as its controlling terminal when it has one, so that a resize reaches the
dashboard as SIGWINCH and a closed PTY hangs it up. Run as ``python -m tui.sshchild ARGS``."""

from __future__ import annotations

import contextlib
import fcntl
import signal
import sys
import termios


def main() -> None:
    # The server starts this in a session of its own (start_new_session): taking the PTY on
    # stdin as the controlling terminal is allowed then; on a pipe (a command without a
    # terminal) there is none to take.
    with contextlib.suppress(OSError):
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    if sys.argv[3:]:  # words after --db URL: a command
        # A command (not the dashboard) the server stops (its client gone, idle) ends as on
        # Ctrl-C would: its scratch files (what import - took in) removed on the way out.
        signal.signal(signal.SIGTERM, _end)
    from tui.cli import main as cli

    cli()


def _end(signum: int, frame: object) -> None:
    sys.exit(128 + signum)


if __name__ == "__main__":
    main()
