"""Annotated import and export against Label Studio and doccano, alternated over rounds.

    python bench/peers/peer_bench.py [--docs 20000] [--rounds 3] [--venvs DIR] [--skip doccano]

What it does. bench/annotated_corpus.py writes N Wikinews-size documents with ten entity spans each
as one coder's finished work, in each tool's own import shape (annotator's coder JSONL, a Label
Studio JSON import of tasks with `annotations`, doccano's sequence-labelling JSONL). Each round
runs the three in turn (the order rotated every round), each on a fresh copy of a project made
beforehand: a SQLite database in a throwaway folder, the user (alice), and for the peers a
server on 127.0.0.1 with a labelling project. Timed: import, from the upload to the moment the
tool's API (annotator: its command's exit) says all N documents and N annotations are in, and
export of everything, from the request to the file on disk (annotator: `export --format coders`;
Label Studio: JSON; doccano: JSONL, a zip). Peak memory is the summed resident memory of every
process of the tool (the server and, for doccano, its celery worker; annotator's command and its
workers), sampled every 0.1 s during import and export. Prints every round, the medians, the load
average, and the target: annotator's import at most 0.33 x the fastest peer's.

The peers (bench tools only, never the project's dependencies) are installed from PyPI into venvs
of their own under --venvs on the first run, which takes minutes:
  label-studio==1.23.*  (Python >= 3.10), its dev server started with `label-studio start`;
  doccano==1.8.*        with marshmallow<4 and numpy<2: doccano 1.8 pins environs 9 and pandas 1.5,
                        which fail to import under marshmallow 4 and numpy 2. Its `webserver`
                        command binds 0.0.0.0, so the same gunicorn app is started directly on
                        127.0.0.1, with the workers that command starts (2 x cores + 1), and
                        `doccano task` runs the celery worker that imports and exports.
Nothing is fetched at run time: version checks and analytics are off, and the servers listen on
127.0.0.1 only. Every process started is stopped by its process group, which it leads.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotated_corpus import CODER, LS_CONFIG, write_corpora  # noqa: E402
from import_bench import load_average, rotated  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent.parent
SUBJECTS = ("annotator", "labelstudio", "doccano")
TARGET = 0.33  # annotator's import / the fastest peer's, of the medians
PASSWORD = "bench-password-1"
PEERS = {"labelstudio": ["label-studio==1.23.*"], "doccano": ["doccano==1.8.*", "marshmallow<4", "numpy<2"]}


class TreeMemory:
    """The peak of the summed RSS of some processes and all their descendants, sampled in a thread."""

    def __init__(self, roots: list[int]) -> None:
        self.roots, self.peak, self.stop = roots, 0, threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _sample(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self.stop.wait(0.1):
            children: dict[int, list[int]] = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        stat = Path(f"/proc/{entry}/stat").read_text()
                        children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
                    except OSError:
                        continue
            tree, todo = set(), list(self.roots)
            while todo:
                pid = todo.pop()
                if pid not in tree:
                    tree.add(pid)
                    todo += children.get(pid, [])
            total = 0
            for pid in tree:
                try:
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
                except OSError:
                    continue
            self.peak = max(self.peak, total)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(url: str, token: str | None = None, data: bytes | None = None, content_type: str = "application/json",
            method: str | None = None, scheme: str = "Token") -> bytes:
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"{scheme} {token}")
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=3600) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{method or ('POST' if data else 'GET')} {url}: {exc.code} {exc.read()[:500]!r}") from None


def post_json(url: str, body: dict, token: str | None = None) -> dict:
    return json.loads(request(url, token, json.dumps(body).encode()))


def post_file(url: str, field: str, path: Path, token: str) -> bytes:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{path.name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    return request(url, token, head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode(),
                   f"multipart/form-data; boundary={boundary}")


def wait_for(check: Callable[[], bool], what: str, timeout: float = 1800.0, pause: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
            pass
        time.sleep(pause)
    raise SystemExit(f"gave up waiting for {what}")


class Server:
    """Processes started in sessions of their own (each leads its group), stopped group by group."""

    def __init__(self, log: Path) -> None:
        self.log, self.procs = log, []

    def start(self, command: list[str], env: dict[str, str], cwd: Path | None = None) -> int:
        with self.log.open("ab") as log:
            proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(proc)
        return proc.pid

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:  # (celery's warm shutdown waits for a running import)
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs = []


def venv(venvs: Path, name: str, python: str) -> Path:
    """The peer's venv, made and filled from PyPI on first use."""
    folder = venvs / name
    if not (folder / "bin" / "python").exists():
        subprocess.run([python, "-m", "venv", str(folder)], check=True)
    if not (folder / ".installed").exists():
        print(f"installing {' '.join(PEERS[name])} into {folder} (minutes)", flush=True)
        subprocess.run([str(folder / "bin" / "pip"), "install", "-q", *PEERS[name]], check=True)
        (folder / ".installed").write_text(" ".join(PEERS[name]))
    return folder


class Annotator:
    def __init__(self, work: Path, files: dict[str, Path]) -> None:
        self.work, self.source = work, files["annotator.jsonl"]
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.template = work / "annotator-template.db"
        self.run(["init", "--db", str(self.template)])
        self.run(["coder", "add", CODER, "--db", str(self.template)])

    def run(self, args: list[str]) -> None:
        subprocess.run([sys.executable, "-m", "annotator", *args], env=self.env, check=True, capture_output=True)

    def timed(self, args: list[str]) -> tuple[float, int]:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "annotator", *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        with TreeMemory([proc.pid]) as memory:
            out, err = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"annotator {' '.join(args)} failed: {err.decode()}")
        return time.perf_counter() - started, memory.peak

    def round(self, n: int, tag: str) -> dict[str, float]:
        db, out = self.work / f"annotator-{tag}.db", self.work / f"annotator-{tag}.jsonl"
        shutil.copy(self.template, db)
        imported, peak_import = self.timed(["import", "--db", str(db), str(self.source)])
        exported, peak_export = self.timed(["export", "--db", str(db), "--format", "coders", "--out", str(out)])
        assert sum(1 for _ in out.open("rb")) == n, "every document's work exported"
        db.unlink()
        return {"import": imported, "export": exported, "peak": max(peak_import, peak_export)}


class LabelStudio:
    def __init__(self, work: Path, files: dict[str, Path], folder: Path) -> None:
        self.work, self.source, self.bin = work, files["labelstudio.json"], folder / "bin" / "label-studio"
        self.token = secrets.token_hex(20)
        self.template = work / "ls-template"
        server, port = self.start(self.template)  # migrations and the user, once: copied each round
        server.stop()

    def start(self, data: Path) -> tuple[Server, int]:
        data.mkdir(exist_ok=True)
        port = free_port()
        env = {**os.environ, "LATEST_VERSION_CHECK": "false", "COLLECT_ANALYTICS": "false",
               "LABEL_STUDIO_BASE_DATA_DIR": str(data), "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "",
               "XDG_DATA_HOME": str(data)}  # (else it makes ~/.local/share/label-studio as well)
        server = Server(data / "server.log")
        server.start([str(self.bin), "start", "--no-browser", "--internal-host", "127.0.0.1", "-p", str(port),
                      "--data-dir", str(data), "-db", str(data / "ls.sqlite3"), "--username", f"{CODER}@example.com",
                      "--password", PASSWORD, "--user-token", self.token, "--enable-legacy-api-token"], env)
        wait_for(lambda: request(f"http://127.0.0.1:{port}/health") != b"", "Label Studio to start", 600, 1.0)
        return server, port

    def round(self, n: int, tag: str) -> dict[str, float]:
        data = self.work / f"ls-{tag}"
        shutil.copytree(self.template, data)
        server, port = self.start(data)
        api = f"http://127.0.0.1:{port}/api"
        try:
            project = post_json(f"{api}/projects", {"title": f"bench {tag}", "label_config": LS_CONFIG}, self.token)["id"]
            with TreeMemory([p.pid for p in server.procs]) as memory:
                started = time.perf_counter()
                post_file(f"{api}/projects/{project}/import", "file", self.source, self.token)

                def all_in() -> bool:
                    done = json.loads(request(f"{api}/projects/{project}/", self.token))
                    return bool(done["task_number"] == n and done["total_annotations_number"] == n)

                wait_for(all_in, "Label Studio's import")
                imported = time.perf_counter() - started
                started = time.perf_counter()
                out = data / "export.json"
                out.write_bytes(request(f"{api}/projects/{project}/export?exportType=JSON", self.token))
                exported = time.perf_counter() - started
            assert len(json.loads(out.read_bytes())) == n, "every task exported"
        finally:
            server.stop()
        shutil.rmtree(data)
        return {"import": imported, "export": exported, "peak": memory.peak}


class Doccano:
    def __init__(self, work: Path, files: dict[str, Path], folder: Path) -> None:
        self.work, self.source, self.folder = work, files["doccano.jsonl"], folder
        self.app = next((folder / "lib").glob("python*/site-packages/backend"))
        self.template = work / "doccano-template"
        self.template.mkdir()
        env = self.env(self.template)
        for command in (["init"], ["createuser", "--username", CODER, "--password", PASSWORD]):
            subprocess.run([str(folder / "bin" / "doccano"), *command], env=env, check=True, capture_output=True)

    def env(self, home: Path) -> dict[str, str]:
        return {**os.environ, "DOCCANO_HOME": str(home), "DATABASE_URL": f"sqlite:///{home / 'db.sqlite3'}",
                "MEDIA_ROOT": str(home / "media"), "STANDALONE": "True", "DEBUG": "False",
                "DJANGO_SETTINGS_MODULE": "config.settings.production"}

    def round(self, n: int, tag: str) -> dict[str, float]:
        home = self.work / f"doccano-{tag}"
        shutil.copytree(self.template, home)
        port, env = free_port(), self.env(home)
        server = Server(home / "server.log")
        server.start([str(self.folder / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers",
                      str(2 * (os.cpu_count() or 1) + 1), "--chdir", str(self.app), "--timeout", "3600",
                      "config.wsgi"], env)
        server.start([str(self.folder / "bin" / "doccano"), "task", "--concurrency", "2"], env)
        api = f"http://127.0.0.1:{port}/v1"
        try:
            wait_for(lambda: bool(post_json(f"{api}/auth/login/", {"username": CODER, "password": PASSWORD})),
                     "doccano to start", 600, 1.0)
            token = post_json(f"{api}/auth/login/", {"username": CODER, "password": PASSWORD})["key"]
            project = post_json(f"{api}/projects", {"name": f"bench {tag}", "description": "bench", "guideline": "",
                                                    "project_type": "SequenceLabeling",
                                                    "resourcetype": "SequenceLabelingProject"}, token)["id"]

            def finished(task: str) -> dict:
                status = json.loads(request(f"{api}/tasks/status/{task}", token))
                if status.get("error"):
                    raise SystemExit(f"doccano task failed: {status['error']}")
                return status if status.get("ready") else {}

            with TreeMemory([p.pid for p in server.procs]) as memory:
                started = time.perf_counter()
                upload = post_file(f"{api}/fp/process/", "filepond", self.source, token).decode()
                task = post_json(f"{api}/projects/{project}/upload", {
                    "uploadIds": [upload], "format": "JSONL", "task": "SequenceLabeling", "column_data": "text",
                    "column_label": "label", "delimiter": ",", "encoding": "utf_8"}, token)["task_id"]
                wait_for(lambda: bool(finished(task)), "doccano's import")
                imported = time.perf_counter() - started
                started = time.perf_counter()
                task = post_json(f"{api}/projects/{project}/download", {"format": "JSONL", "exportApproved": False},
                                 token)["task_id"]
                wait_for(lambda: bool(finished(task)), "doccano's export")
                out = home / "export.zip"
                out.write_bytes(request(f"{api}/projects/{project}/download?taskId={task}", token))
                exported = time.perf_counter() - started
            count = json.loads(request(f"{api}/projects/{project}/examples?limit=1", token))["count"]
            assert count == n and out.stat().st_size > 0, f"doccano holds {count} examples"
        finally:
            server.stop()
        shutil.rmtree(home)
        return {"import": imported, "export": exported, "peak": memory.peak}


def _stop_on_term(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # (so every server started is stopped on the way out)


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_on_term)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--venvs", type=Path, default=Path.home() / ".cache" / "annotator-bench-peers")
    parser.add_argument("--python", default=sys._base_executable, help="the interpreter the peers' venvs are made with")
    parser.add_argument("--skip", action="append", default=[], choices=SUBJECTS[1:], help="leave a peer out")
    args = parser.parse_args()
    peers = [s for s in SUBJECTS[1:] if s not in args.skip]
    folders = {name: venv(args.venvs, name, args.python) for name in peers}
    print(f"start: {load_average()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="peer-bench-") as tmp:
        work = Path(tmp)
        files = write_corpora(work, args.docs)
        print(f"{args.docs} documents, {10 * args.docs} spans as {CODER}'s work; "
              + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in files.values()), flush=True)
        tools = {"annotator": Annotator(work, files)}
        if "labelstudio" in peers:
            tools["labelstudio"] = LabelStudio(work, files, folders["labelstudio"])
        if "doccano" in peers:
            tools["doccano"] = Doccano(work, files, folders["doccano"])
        results: dict[str, list[dict[str, float]]] = {name: [] for name in tools}
        for r in range(args.rounds):
            for name in rotated(tuple(tools), r):
                results[name].append(tools[name].round(args.docs, f"r{r}"))
                got = results[name][-1]
                print(f"round {r + 1} {name:12} import {got['import']:7.2f} s  export {got['export']:7.2f} s  "
                      f"peak {got['peak'] / 2**20:7.0f} MiB   {load_average()}", flush=True)
    medians = {name: {k: statistics.median(x[k] for x in runs) for k in ("import", "export", "peak")}
               for name, runs in results.items()}
    print(f"medians over {args.rounds} rounds:")
    for name, m in medians.items():
        print(f"  {name:12} import {m['import']:7.2f} s ({args.docs / m['import']:6.0f} docs/s)  "
              f"export {m['export']:7.2f} s  peak {m['peak'] / 2**20:6.0f} MiB")
    if peers:
        fastest = min(peers, key=lambda p: medians[p]["import"])
        ratio = medians["annotator"]["import"] / medians[fastest]["import"]
        print(f"annotator import / fastest peer's ({fastest}): {ratio:.3f}   target <= {TARGET}: "
              f"{'met' if ratio <= TARGET else 'NOT met'}")
    print(f"end:   {load_average()}")


if __name__ == "__main__":
    main()
