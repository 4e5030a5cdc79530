"""The git engine: simulation, speculative chains, safe merges, materialised trees, history.

Every git process runs without a shell, in a sanitised environment (``runner``), addressed
with ``--git-dir`` so a bare mirror and a developer's clone behave the same. User-supplied refs
are validated in Python (``refnames``) and passed after ``--end-of-options`` or on stdin.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from converge_core.errors import InvalidInput
from converge_core.git.checkouts import (
    Checkout,
    parse_worktree_list,
    porcelain_paths,
    split_untracked,
    untracked_in_the_way,
)
from converge_core.git.errors import (
    CheckoutUpdateFailed,
    DirtyCheckout,
    GitError,
    NotARepository,
    TargetMoved,
    UnknownRef,
)
from converge_core.git.history import LOG_FORMAT, CommitInfo, parse_log
from converge_core.git.mergetree import (
    MergeTreeResult,
    parse_merge_tree,
    parse_merge_tree_stdin,
)
from converge_core.git.refnames import (
    OBJECT_ID,
    validate_branch_name,
    validate_object_id,
    validate_rev,
)
from converge_core.git.refstore import BranchRefReader
from converge_core.git.results import ChainStep, Simulation
from converge_core.git.runner import (
    StartedGit,
    git_environment,
    require_git,
    run_git,
    start_git,
)

_MERGE_TREE = ("merge-tree", "--write-tree", "-z", "--name-only", "--messages")
# Virtual (speculative) commits get a fixed date so the same chain yields the same objects.
_VIRTUAL_DATE = "2000-01-01T00:00:00+00:00"


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _nul_fields(raw: bytes) -> list[str]:
    return [_text(field) for field in raw.split(b"\0") if field]


def _force_rmtree(path: str) -> None:
    def make_writable_and_retry(func: Any, target: str, _exc: Any) -> None:
        # Checks may leave read-only files or directories behind.
        os.chmod(os.path.dirname(target), stat.S_IRWXU)
        if os.path.isdir(target) and not os.path.islink(target):
            os.chmod(target, stat.S_IRWXU)
        func(target)

    shutil.rmtree(path, onerror=make_writable_and_retry)


class GitRepository:
    """A git repository, bare or with a work tree, addressed through its git directory."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        committer_name: str = "Converge",
        committer_email: str = "converge@localhost",
    ) -> None:
        require_git()
        for value in (committer_name, committer_email):
            if not value or any(c in value for c in "<>\n\0"):
                raise InvalidInput(f"invalid committer identity {value!r}")
        self.path = os.path.abspath(path)
        if not os.path.isdir(self.path):
            raise NotARepository(f"{self.path} is not a directory", path=self.path)
        self._env = git_environment(
            {
                "GIT_AUTHOR_NAME": committer_name,
                "GIT_AUTHOR_EMAIL": committer_email,
                "GIT_COMMITTER_NAME": committer_name,
                "GIT_COMMITTER_EMAIL": committer_email,
            }
        )
        proc = run_git(
            ["rev-parse", "--is-bare-repository", "--absolute-git-dir", "--git-common-dir"],
            cwd=self.path,
            env=self._env,
            ok=(0, 128),
        )
        if proc.returncode != 0:
            # git's reason matters: "not a git repository" vs "dubious ownership".
            reason = _text(proc.stderr).strip().splitlines()[-1:] or ["no error output"]
            raise NotARepository(
                f"{self.path} is not a usable git repository ({reason[0]})", path=self.path
            )
        bare, git_dir, common_dir = _text(proc.stdout).splitlines()
        self.is_bare = bare == "true"
        self.git_dir = git_dir
        self.common_dir = os.path.normpath(os.path.join(self.path, common_dir))
        self._refs = BranchRefReader(self.common_dir)
        # ``git worktree list`` output and the state of the files it was read from.
        self._worktrees: tuple[tuple[Any, ...], bytes] | None = None

    def __repr__(self) -> str:
        return f"GitRepository({self.git_dir!r}, bare={self.is_bare})"

    def _git(
        self,
        *args: str,
        stdin: bytes | None = None,
        ok: tuple[int, ...] = (0,),
        env: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        proc = run_git(
            ["--git-dir", self.git_dir, *args],
            cwd=self.git_dir,
            env=env or self._env,
            stdin=stdin,
            ok=ok,
        )
        return proc.returncode, proc.stdout

    def _start(self, *args: str) -> StartedGit:
        """Start a git process addressed like :meth:`_git`, without waiting for it."""
        return start_git(["--git-dir", self.git_dir, *args], cwd=self.git_dir, env=self._env)

    def _git_in(self, worktree: str, *args: str, ok: tuple[int, ...] = (0,)) -> bytes:
        """Run git inside a work tree (for commands that read or update its files)."""
        return run_git(list(args), cwd=worktree, env=self._env, ok=ok).stdout

    # -- refs ---------------------------------------------------------------------------------

    def resolve(self, *refs: str) -> list[str]:
        """Resolve refs to commit ids: branch heads from the ref store, the rest in one
        ``git cat-file --batch-check`` process.

        Each ref is a full object id or a valid branch-style name. A name is looked up as
        ``refs/heads/<name>`` first (a merge target is always a branch, even if a tag of the
        same name exists) and then with git's usual rules (tags, remote branches, short ids).
        """
        for ref in refs:
            validate_rev(ref)
        heads = {ref: self._refs.branch(ref) for ref in refs if not OBJECT_ID.fullmatch(ref)}
        rest = [ref for ref in refs if not heads.get(ref)]
        looked_up = dict(zip(rest, self._resolve_with_git(rest), strict=True))
        return [heads.get(ref) or looked_up[ref] for ref in refs]

    def _resolve_with_git(self, refs: list[str]) -> list[str]:
        if not refs:
            return []
        # Names reach git on stdin, one per line, so none can be read as an option; the
        # validated names contain no whitespace.
        queries: list[str] = []
        for ref in refs:
            if not OBJECT_ID.fullmatch(ref):
                queries.append(f"refs/heads/{ref}^{{commit}}")
            queries.append(f"{ref}^{{commit}}")
        _, out = self._git(
            "cat-file",
            "--batch-check=%(objectname) %(objecttype)",
            stdin="".join(q + "\n" for q in queries).encode("utf-8", "surrogateescape"),
        )
        answers = iter(_text(out).splitlines())
        resolved: list[str] = []
        for ref in refs:
            tries = [next(answers) for _ in range(1 if OBJECT_ID.fullmatch(ref) else 2)]
            found = [answer.split()[0] for answer in tries if answer.endswith(" commit")]
            if not found:
                raise UnknownRef(f"unknown ref {ref!r}: no such commit", ref=ref)
            resolved.append(found[0])
        return resolved

    def head(self, branch: str) -> str | None:
        """The commit ``refs/heads/<branch>`` points at, or None when the branch is absent."""
        validate_branch_name(branch)
        if known := self._refs.branch(branch):
            return known
        code, out = self._git(
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"refs/heads/{branch}^{{commit}}",
            ok=(0, 1),
        )
        return _text(out).strip() if code == 0 else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is reachable from ``descendant`` (or is the same commit)."""
        first, second = self.resolve(ancestor, descendant)
        code, _ = self._git("merge-base", "--is-ancestor", first, second, ok=(0, 1))
        return code == 0

    def merge_commit_of(self, source_sha: str, target_branch: str, depth: int = 1000) -> str | None:
        """The newest of ``target_branch``'s last ``depth`` merge commits that merged
        ``source_sha`` (as a parent other than the first), or ``None``."""
        validate_object_id(source_sha, "source_sha")
        validate_branch_name(target_branch)
        _, out = self._git(
            "rev-list",
            "--merges",
            "--parents",
            f"--max-count={depth}",
            "--end-of-options",
            f"refs/heads/{target_branch}",
        )
        for line in _text(out).splitlines():
            commit, _first, *merged = line.split()
            if source_sha in merged:
                return commit
        return None

    def mainline_touching(
        self, since_sha: str, target_sha: str, paths: Sequence[str], depth: int = 1000
    ) -> list[str]:
        """Commits of the target's first-parent line after ``since_sha`` (up to ``depth``,
        newest first) whose change against their first parent touches one of ``paths``: the
        merges that brought those files to their current state on the target."""
        validate_object_id(since_sha, "since_sha")
        validate_object_id(target_sha, "target_sha")
        wanted = set(paths)
        if not wanted:
            return []
        _, out = self._git(
            "log",
            "-z",
            "--name-only",
            "--first-parent",
            "--diff-merges=first-parent",
            "--no-renames",
            "--no-show-signature",
            LOG_FORMAT,
            f"--max-count={depth}",
            "--end-of-options",
            f"{since_sha}..{target_sha}",
        )
        return [commit.sha for commit in parse_log(out) if wanted.intersection(commit.files)]

    # -- diffs --------------------------------------------------------------------------------

    def changed_paths(self, a_sha: str, b_sha: str) -> tuple[str, ...]:
        """Paths that differ between two commits or trees (two-point, renames as two paths)."""
        _, out = self._git(
            "diff-tree",
            "-r",
            "-z",
            "--name-only",
            "--no-renames",
            "--end-of-options",
            validate_rev(a_sha),
            validate_rev(b_sha),
        )
        return tuple(_nul_fields(out))

    def files_changed(self, target_sha: str, source_sha: str) -> tuple[str, ...]:
        """The source side's own changes since the merge base, in git's order.

        ``git diff target...source``: changes made on the target after the fork are excluded.
        Renames count as the old and the new path.
        """
        return self._files_changed_started(target_sha, source_sha)()

    def _files_changed_started(
        self, target_sha: str, source_sha: str
    ) -> Callable[[], tuple[str, ...]]:
        """Start :meth:`files_changed`'s ``git diff``; the returned call waits for its answer."""
        validate_object_id(target_sha, "target_sha")
        validate_object_id(source_sha, "source_sha")
        three_dot = f"{target_sha}...{source_sha}"
        started = self._start(
            "diff", "--no-renames", "--no-relative", "--name-only", "-z", three_dot
        )
        return lambda: tuple(_nul_fields(started.result().stdout))

    # -- simulation ---------------------------------------------------------------------------

    def _merge_tree(self, ours: str, theirs: str) -> MergeTreeResult:
        code, out = self._git(*_MERGE_TREE, ours, theirs, ok=(0, 1))
        return parse_merge_tree(out, code)

    def simulate(self, source: str, target: str) -> Simulation:
        """Merge ``source`` into ``target`` in memory: two git processes for branches, side
        by side.

        1. both refs are resolved once, branch heads straight from the ref store (other refs
           through one ``cat-file --batch-check``); unknown refs raise :class:`UnknownRef`,
           never a conflict;
        2. ``merge-tree --write-tree`` on the two resolved ids, target first, writes the
           merged tree (with conflict markers when it conflicts), while
        3. ``diff target...source`` lists the source's own changes.
        """
        source_sha, target_sha = self.resolve(source, target)
        files_changed = self._files_changed_started(target_sha, source_sha)
        result = self._merge_tree(target_sha, source_sha)
        return Simulation(
            mergeable=result.clean,
            conflicts=result.conflicts,
            files_changed=files_changed(),
            source=source,
            target=target,
            source_sha=source_sha,
            target_sha=target_sha,
            tree_sha=result.tree,
            timestamp=datetime.now(UTC),
        )

    def _commit_tree(
        self,
        tree: str,
        parents: Sequence[str],
        message: str,
        env: dict[str, str] | None = None,
    ) -> str:
        parent_args = [arg for parent in parents for arg in ("-p", parent)]
        # --no-gpg-sign: a user's commit.gpgSign must not make the service prompt or fail.
        _, out = self._git(
            "commit-tree", "--no-gpg-sign", *parent_args, "-m", message, tree, env=env
        )
        return _text(out).strip()

    def simulate_chain(self, target: str, sources: Sequence[str]) -> list[ChainStep]:
        """Speculatively merge ``sources`` in order onto ``target`` (decisions §12).

        Starting from the target head, each clean candidate becomes part of a virtual head (a
        dangling ``commit-tree`` merge commit) that the next candidate merges onto. A
        conflicting candidate does not advance the head; its conflicts are attributed to the
        earlier merged candidates whose own changes (``files_changed``) touch those files.
        When no earlier candidate touches them although the candidate merges cleanly onto the
        target alone, all earlier merged candidates are named: together they cause it.

        Processes: one ``cat-file`` for all refs, one ``merge-tree`` and (when clean) one
        ``commit-tree`` per candidate, one ``merge-tree --stdin`` for every conflicting
        candidate that sits on a virtual head (to test it against the real target alone), one
        ``rev-parse`` and one ``diff-tree --stdin`` for the own changes of every clean
        candidate, and the same two for those of the earlier candidates when an attribution
        needs them.
        ``merge-tree --stdin`` cannot drive the chain itself: each merge needs the commit made
        from the previous result, and git 2.39 flushes each result before its final separator
        (which only arrives with the next result or at EOF), so an interactive reader cannot
        tell whether more messages follow.
        """
        target_sha, *source_shas = self.resolve(target, *sources)
        virtual_env = {
            **self._env,
            "GIT_AUTHOR_DATE": _VIRTUAL_DATE,
            "GIT_COMMITTER_DATE": _VIRTUAL_DATE,
        }
        head = target_sha
        merged: list[int] = []
        outcomes: list[tuple[MergeTreeResult, tuple[int, ...]]] = []
        onto: dict[int, str] = {}  # clean candidate -> the head it merges onto
        for index, (source, sha) in enumerate(zip(sources, source_shas, strict=True)):
            result = self._merge_tree(head, sha)
            outcomes.append((result, tuple(merged)))
            if result.clean:
                onto[index] = head
            if result.clean:
                message = f"converge: speculative merge of {source} onto {target}"
                head = self._commit_tree(result.tree, (head, sha), message, env=virtual_env)
                merged.append(index)

        # A conflict on the bare target head is a real block; only candidates stacked on a
        # virtual head need a separate check against the target alone.
        stacked = [i for i, (res, before) in enumerate(outcomes) if not res.clean and before]
        against_target: dict[int, bool] = {}
        if stacked:
            lines = "".join(f"{target_sha} {source_shas[i]}\n" for i in stacked)
            _, out = self._git(*_MERGE_TREE, "--stdin", stdin=lines.encode("ascii"))
            results = parse_merge_tree_stdin(out)
            if len(results) != len(stacked):
                raise GitError("git merge-tree --stdin returned an unexpected number of results")
            against_target = {i: not res.clean for i, res in zip(stacked, results, strict=True)}

        clean = list(onto)
        changes = dict(
            zip(clean, self._own_changes([(onto[i], source_shas[i]) for i in clean]), strict=True)
        )
        own_files: dict[int, frozenset[str]] = {}

        def files_of(i: int) -> frozenset[str]:
            if i not in own_files:
                # Every earlier merged candidate at once: attributions ask for all of them.
                wanted = [j for j in merged if j not in own_files]
                pairs = [(target_sha, source_shas[j]) for j in wanted]
                for j, files in zip(wanted, self._own_changes(pairs), strict=True):
                    if files is None:
                        files = self.files_changed(target_sha, source_shas[j])
                    own_files[j] = frozenset(files)
            return own_files[i]

        steps: list[ChainStep] = []
        for index, (result, before) in enumerate(outcomes):
            conflicts_with: tuple[int, ...] = ()
            with_target = not result.clean and against_target.get(index, True)
            if not result.clean and before:
                touched = set(result.conflicts)
                conflicts_with = tuple(i for i in before if files_of(i) & touched)
                if not conflicts_with and not with_target:
                    conflicts_with = before
            steps.append(
                ChainStep(
                    index=index,
                    source=sources[index],
                    source_sha=source_shas[index],
                    mergeable=result.clean,
                    conflicts=result.conflicts,
                    conflicts_with=conflicts_with,
                    conflicts_with_target=with_target,
                    tree_sha=result.tree,
                    files_changed=changes.get(index),
                )
            )
        return steps

    def _own_changes(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, ...] | None]:
        """For each (head, source) pair of commit ids, what ``files_changed(head, source)``
        lists, in two processes for them all: one ``rev-parse head...source`` per pair gives
        the merge bases, one ``diff-tree --stdin`` the changes of each source since its base.
        ``None`` for a pair with several merge bases or none."""
        if not pairs:
            return []
        _, out = self._git("rev-parse", *(f"{head}...{source}" for head, source in pairs))
        lines = _text(out).split()
        bases: list[str | None] = []
        pos = 0
        for head, source in pairs:
            # Both ends (git prints the right one first), then the merge bases, negated.
            if sorted(lines[pos : pos + 2]) != sorted((head, source)):
                raise GitError("git rev-parse returned an unexpected symmetric difference")
            pos += 2
            found = []
            while pos < len(lines) and lines[pos].startswith("^"):
                found.append(lines[pos][1:])
                pos += 1
            bases.append(found[0] if len(found) == 1 else None)
        # "<source> <base>": the source compared with the base as its parent, printed after a
        # header line holding the source's id (--always: also when nothing changed).
        asked = [(source, base) for (_, source), base in zip(pairs, bases, strict=True) if base]
        found_files: list[tuple[str, ...]] = []
        if asked:
            _, out = self._git(
                "diff-tree",
                "-r",
                "-z",
                "--no-renames",
                "--name-status",
                "--always",
                "--stdin",
                stdin="".join(f"{source} {base}\n" for source, base in asked).encode("ascii"),
            )
            fields = _nul_fields(out)
            pos = 0
            for source, _base in asked:
                if pos >= len(fields) or fields[pos] != source:
                    raise GitError("git diff-tree --stdin returned an unexpected header")
                pos += 1
                files: list[str] = []
                # A status is a letter, never a 40-digit id: the next one starts a new header.
                while pos + 1 < len(fields) and not OBJECT_ID.fullmatch(fields[pos]):
                    files.append(fields[pos + 1])
                    pos += 2
                found_files.append(tuple(files))
        answers = iter(found_files)
        return [next(answers) if base else None for base in bases]

    # -- merging ------------------------------------------------------------------------------

    def _added_and_deleted(self, old: str, new_tree: str) -> tuple[frozenset[str], frozenset[str]]:
        _, out = self._git("diff-tree", "-r", "-z", "--no-renames", "--name-status", old, new_tree)
        fields = _nul_fields(out)
        entries = list(zip(fields[::2], fields[1::2], strict=True))
        added = frozenset(path for status, path in entries if status == "A")
        deleted = frozenset(path for status, path in entries if status == "D")
        return added, deleted

    def _require_clean(self, worktree: str, target: str, old: str, tree_sha: str) -> None:
        # One listing of local changes and of untracked and ignored files: with none of the
        # latter on disk nothing can be in the merge's way, and its paths are not needed.
        status, untracked = split_untracked(
            self._git_in(
                worktree,
                "status",
                "--porcelain",
                "-z",
                "--untracked-files=all",
                "--ignored=matching",
            )
        )
        if status:
            dirty = porcelain_paths(status)
            raise DirtyCheckout(
                f"{worktree} has {target} checked out with local changes "
                f"({', '.join(dirty[:5])}); commit or stash them first",
                worktree=worktree,
                files=dirty,
            )
        if not untracked:
            return
        added, deleted = self._added_and_deleted(old, tree_sha)
        blocked = untracked_in_the_way(worktree, added, deleted)
        if blocked:
            raise DirtyCheckout(
                f"{worktree} has {target} checked out with untracked files the merge would "
                f"overwrite ({', '.join(blocked[:5])}); move them away first",
                worktree=worktree,
                files=blocked,
            )

    def _cas(self, ref: str, new: str, old: str, reason: str) -> bool:
        # --create-reflog: bare mirrors keep no reflog by default; merges should be traceable.
        code, _ = self._git(
            "update-ref",
            "--create-reflog",
            "-m",
            reason,
            "--end-of-options",
            ref,
            new,
            old,
            ok=(0, 1, 128),
        )
        return code == 0

    def merge(
        self,
        source_sha: str,
        target_branch: str,
        expected_target_sha: str,
        tree_sha: str,
        message: str | None = None,
        *,
        source: str | None = None,
    ) -> str:
        """Record ``tree_sha`` as the merge of ``source_sha`` into ``target_branch``.

        ``git commit-tree <tree> -p <target> -p <source>``, then a compare-and-swap
        ``update-ref`` from ``expected_target_sha``; a moved target raises
        :class:`TargetMoved` and changes nothing. A work tree that has the target checked out
        must be clean (decisions §31): it is checked before the ref moves and advanced with
        ``read-tree -m -u`` after; if advancing fails the ref is moved back. Returns the new
        commit id. ``source`` (a branch name) only feeds the default message.
        """
        validate_branch_name(target_branch)
        validate_object_id(source_sha, "source_sha")
        validate_object_id(expected_target_sha, "expected_target_sha")
        validate_object_id(tree_sha, "tree_sha")
        ref = f"refs/heads/{target_branch}"
        message = message or f"converge: merge {source or source_sha} into {target_branch}"

        checkouts = self._checkouts(ref, target_branch)
        for checkout in checkouts:
            if checkout.head != expected_target_sha:
                # Checked before the cleanliness test: files of a newer head would otherwise
                # look like untracked files in the way.
                raise self._target_moved(target_branch, expected_target_sha, checkout.head)
            self._require_clean(checkout.path, target_branch, expected_target_sha, tree_sha)

        new = self._commit_tree(tree_sha, (expected_target_sha, source_sha), message)
        if not self._cas(ref, new, expected_target_sha, message):
            raise self._target_moved(target_branch, expected_target_sha, self.head(target_branch))
        self._advance_checkouts(checkouts, ref, expected_target_sha, new)
        return new

    def _worktree_state(self) -> tuple[Any, ...]:
        """What ``git worktree list`` reads: the repository's configuration, every work
        tree's ``HEAD`` and, for linked ones, where they live and whether that still exists."""

        def read(path: str) -> bytes | None:
            try:
                with open(path, "rb") as handle:
                    return handle.read()
            except OSError:
                return None

        config = os.path.join(self.common_dir, "config")
        try:
            stat_ = os.stat(config)
            config_key: tuple[int, int] | None = (stat_.st_mtime_ns, stat_.st_size)
        except OSError:
            config_key = None
        linked_dir = os.path.join(self.common_dir, "worktrees")
        try:
            names = sorted(os.listdir(linked_dir))
        except OSError:
            names = []
        linked = []
        for name in names:
            gitdir = read(os.path.join(linked_dir, name, "gitdir"))
            where = _text(gitdir).strip() if gitdir else ""
            present = bool(where) and os.path.exists(where)
            linked.append((name, read(os.path.join(linked_dir, name, "HEAD")), gitdir, present))
        return (config_key, read(os.path.join(self.common_dir, "HEAD")), tuple(linked))

    def _checkouts(self, ref: str, branch: str) -> list[Checkout]:
        """The work trees that have ``ref`` checked out, each with the commit it is at.

        ``git worktree list`` runs again only when a file it reads changed (a work tree was
        added, moved, removed or switched branch, the configuration changed); otherwise the
        last listing is used, with the branch's current head as each checkout's ``HEAD`` (a
        checkout of a branch is at its head).
        """
        state = self._worktree_state() if self._refs.usable else None
        if state is None or self._worktrees is None or self._worktrees[0] != state:
            _, listing = self._git("worktree", "list", "--porcelain", "-z")
            if state is not None:
                self._worktrees = (state, listing)
            return parse_worktree_list(listing, ref)
        checkouts = parse_worktree_list(self._worktrees[1], ref)
        if not checkouts:
            return checkouts
        head = self.head(branch) or ""
        return [Checkout(checkout.path, head) for checkout in checkouts]

    @staticmethod
    def _target_moved(target: str, expected: str, current: str | None) -> TargetMoved:
        return TargetMoved(
            f"{target} moved to {current or 'nothing'} (expected {expected}); nothing was merged",
            target=target,
            expected=expected,
            current=current,
        )

    def _advance_checkouts(
        self, checkouts: Sequence[Checkout], ref: str, old: str, new: str
    ) -> None:
        advanced: list[str] = []
        for worktree in (checkout.path for checkout in checkouts):
            try:
                self._git_in(worktree, "read-tree", "-m", "-u", old, new)
            except GitError as exc:
                for done in advanced:
                    self._git_in(done, "read-tree", "-m", "-u", new, old)
                restored = self._cas(ref, old, new, "converge: undo merge (checkout update failed)")
                outcome = "the merge was undone" if restored else "the ref could NOT be restored"
                raise CheckoutUpdateFailed(
                    f"could not update the checkout at {worktree} ({exc.message}); {outcome}",
                    worktree=worktree,
                    restored=restored,
                ) from exc
            # ``read-tree -u`` records the stat data of the files it writes: ``git status`` in
            # that checkout is clean straight away.
            advanced.append(worktree)

    def merge_simulation(self, simulation: Simulation, message: str | None = None) -> str:
        """Merge a mergeable :class:`Simulation` using its resolved ids and merged tree."""
        if not simulation.mergeable:
            raise InvalidInput(
                f"{simulation.source} does not merge cleanly into {simulation.target}",
                conflicts=list(simulation.conflicts),
            )
        return self.merge(
            simulation.source_sha,
            simulation.target,
            simulation.target_sha,
            simulation.tree_sha,
            message,
            source=simulation.source,
        )

    # -- trees and history ----------------------------------------------------------------------

    @contextmanager
    def materialize(self, tree_sha: str) -> Iterator[Path]:
        """Yield a temporary directory holding the files of ``tree_sha``; always removed.

        One ``read-tree --reset -u`` into an empty directory with a throw-away index (no
        ``git worktree add``, no ``.git`` inside). Unlike ``git archive`` it ignores
        ``export-ignore``/``export-subst`` attributes, so checks see exactly the merged files.
        """
        validate_object_id(tree_sha, "tree_sha")
        root = tempfile.mkdtemp(prefix="converge-tree-")
        try:
            files = os.path.join(root, "tree")
            os.mkdir(files)
            env = {**self._env, "GIT_INDEX_FILE": os.path.join(root, "index")}
            self._git(
                "-c",
                "core.sparseCheckout=false",
                "--work-tree",
                files,
                "read-tree",
                "--reset",
                "-u",
                tree_sha,
                env=env,
            )
            yield Path(files)
        finally:
            _force_rmtree(root)

    def tree_of(self, rev: str) -> str:
        """The tree id of a commit (or of a tree id itself)."""
        validate_rev(rev)
        _, out = self._git("rev-parse", "--verify", "--end-of-options", f"{rev}^{{tree}}")
        return _text(out).strip()

    def tree_files(self, tree_sha: str, paths: Sequence[str] = ()) -> tuple[str, ...]:
        """The paths of the regular files and symlinks of ``tree_sha`` (only those under
        ``paths``, folders or files, when given), in git's order; submodules are left out."""
        return tuple(path for path, _mode, _blob in self.tree_blobs(tree_sha, paths))

    def tree_blobs(
        self, tree_sha: str, paths: Sequence[str] = ()
    ) -> tuple[tuple[str, str, str], ...]:
        """``(path, mode, blob id)`` of the regular files and symlinks of ``tree_sha`` (only
        those under ``paths`` when given), in git's order: what a reader of those files sees.
        One ``ls-tree`` process."""
        validate_object_id(tree_sha, "tree_sha")
        args = ["ls-tree", "-r", "-z", "--full-tree", tree_sha]
        if paths:
            args += ["--", *(f":(literal){path}" for path in paths)]
        _, out = self._git(*args)
        blobs = []
        for entry in _nul_fields(out):
            meta, _, path = entry.partition("\t")
            mode, kind, blob = meta.split(" ")[:3]
            if kind == "blob":
                blobs.append((path, mode, blob))
        return tuple(blobs)

    @contextmanager
    def materialize_paths(self, tree_sha: str, paths: Sequence[str]) -> Iterator[Path]:
        """Yield a temporary directory holding only ``paths`` as they are in ``tree_sha``
        (paths the tree does not have are left out); always removed.

        ``read-tree`` into a throw-away index, then one ``checkout-index`` of the paths given
        on stdin: no work tree of the repository is read and nothing else is written.
        """
        validate_object_id(tree_sha, "tree_sha")
        root = tempfile.mkdtemp(prefix="converge-files-")
        try:
            files = os.path.join(root, "tree")
            os.mkdir(files)
            env = {**self._env, "GIT_INDEX_FILE": os.path.join(root, "index")}
            self._git("read-tree", tree_sha, env=env)
            if paths:
                self._git(
                    "--work-tree",
                    files,
                    "checkout-index",
                    "-q",
                    "-z",
                    "--stdin",
                    stdin=b"\0".join(path.encode("utf-8", "surrogateescape") for path in paths),
                    env=env,
                )
            yield Path(files)
        finally:
            _force_rmtree(root)

    def log_history(self, max_commits: int = 400, ref: str = "HEAD") -> list[CommitInfo]:
        """Non-merge commits reachable from ``ref`` (newest first) with the files each changed.

        One ``git log -z --name-only`` process.
        """
        if max_commits <= 0:
            return []
        if ref != "HEAD":
            validate_rev(ref)
        log_args = (
            "log",
            "-z",
            "--name-only",
            "--no-merges",
            "--no-renames",
            "--no-show-signature",
            LOG_FORMAT,
            f"--max-count={max_commits}",
            "--end-of-options",
            ref,
        )
        try:
            _, out = self._git(*log_args)
        except GitError:
            code, _ = self._git(
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                f"{ref}^{{commit}}",
                ok=(0, 1),
            )
            if code == 0:
                raise
            if ref == "HEAD":
                return []  # an empty repository has no history yet
            raise UnknownRef(f"unknown ref {ref!r}: no such commit", ref=ref) from None
        return list(parse_log(out))
