"""``make loadtest``: closed-loop load on the real servers, ours beside a previous release.

``conversations`` holds the customers' scripts, ``locustfile`` the Locust users that play them
over REST and socket.io, ``drive`` runs Locust headless for one load level and writes what it
measured, and ``__main__`` starts each stack (ours, and a git worktree of the named baseline
commit), drives it, measures how a turn's cost grows with the conversation's length and the
CPU each server spends per message, and prints and plots the comparison.
"""
