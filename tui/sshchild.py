"""The process one SSH session runs in (``duban serve``): duban's command line, with the PTY the
server opened as its controlling terminal when it has one, so that a resize reaches the
dashboard as SIGWINCH and a closed PTY hangs it up. Run as ``python -m tui.sshchild ARGS``."""

from __future__ import annotations

import contextlib
import fcntl
import sys
import termios


def main() -> None:
    # The server starts this in a session of its own (start_new_session): taking the PTY on
    # stdin as the controlling terminal is allowed then; on a pipe (a command without a
    # terminal) there is none to take.
    with contextlib.suppress(OSError):
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    from tui.cli import main as cli

    sys.argv[0] = "duban"  # what usage lines and help name the program
    cli()


if __name__ == "__main__":
    main()
