"""Grading processes forked from the batch process (autograder/course/pool_process.py) are what a new
``python -m autograder.course.grading_pool --worker`` would be.

Each scenario runs in a fresh interpreter: the test process itself has threads (pytest-xdist's), and a
process with threads never forks its grading processes.
"""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import ASSIGNMENT, RELEASE_DIR, ROOT, tool_env


def _scenario(code: str, *args: str, cwd=ROOT) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=tool_env(), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


DESCRIPTORS = r'''
import json, os, sys
from autograder.course.pool_process import ForkedProcess, can_fork

def report():
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass                                    # the listing's own descriptor, closed by now
    os.write(1, json.dumps(fds).encode())

gradebook = open(sys.argv[1], "w")                  # a file the batch holds open
log = open(sys.argv[2], "ab")
assert can_fork()
processes = [ForkedProcess(report, log), ForkedProcess(report, log)]
seen = []
for proc in processes:
    pipes = {"0": f"pipe:[{os.fstat(proc.stdin.fileno()).st_ino}]", "1": f"pipe:[{os.fstat(proc.stdout.fileno()).st_ino}]"}
    proc.stdin.close()
    seen.append({"fds": json.loads(proc.stdout.read()), "pipes": pipes, "status": proc.wait(30)})
print(json.dumps(seen))
'''


def test_a_forked_grading_process_holds_its_own_pipes_and_nothing_else_of_the_batch(tmp_path):
    # Caught: without closing the batch's descriptors, the second process would hold the first one's task
    # pipe open (the first would never see the end of its input) and the gradebook file.
    seen = _scenario(DESCRIPTORS, str(tmp_path / "gradebook.db"), str(tmp_path / "batch.log"))
    for child in seen:
        assert child["status"] == 0
        fds = child["fds"]
        assert set(fds) == {"0", "1", "2"}, fds
        assert fds["0"] == child["pipes"]["0"] and fds["1"] == child["pipes"]["1"]   # its own, not the other's
        assert fds["2"] == str(tmp_path / "batch.log")
    assert seen[0]["pipes"] != seen[1]["pipes"]


EXIT_HANDLERS = r'''
import atexit, json, os, sys
from pathlib import Path
from autograder.course.pool_process import ForkedProcess

marker = Path(sys.argv[1])
parent = os.getpid()
atexit.register(lambda: marker.open("a").write(f"{os.getpid()}\n"))   # e.g. removing the batch's temp folder

def main():
    print("graded", flush=True)

with open(sys.argv[2], "ab") as log:
    proc = ForkedProcess(main, log)
    proc.stdin.close()
    said = proc.stdout.read().decode()
    status = proc.wait(30)
print(json.dumps({"said": said, "status": status, "marker_after_child": marker.exists(), "parent": parent}))
'''


def test_a_forked_grading_process_runs_none_of_the_batch_exit_handlers(tmp_path):
    # Caught: a child that leaves through sys.exit runs the handlers it inherited, e.g. the batch's clean-up.
    marker = tmp_path / "exit-handlers.txt"
    seen = _scenario(EXIT_HANDLERS, str(marker), str(tmp_path / "batch.log"))
    assert seen["said"] == "graded\n" and seen["status"] == 0
    assert not seen["marker_after_child"]
    assert marker.read_text().split() == [str(seen["parent"])]      # the batch's own exit still runs them


THREADS = r'''
import json, os, sys, threading
import numpy, torch
from threadpoolctl import threadpool_info
from autograder.course.pool_process import ForkedProcess, can_fork

def main():
    pools = sorted({p["num_threads"] for p in threadpool_info()})
    print(json.dumps({"torch": torch.get_num_threads(), "pools": pools,
                      "omp": os.environ.get("OMP_NUM_THREADS"), "sid": os.getsid(0) == os.getpid()}), flush=True)

torch.set_num_threads(2)                   # what the batch process may have
forkable = can_fork()
with open(sys.argv[1], "ab") as log:
    proc = ForkedProcess(main, log)
    proc.stdin.close()
    child = json.loads(proc.stdout.read())
    proc.wait(30)
busy = threading.Event()
thread = threading.Thread(target=busy.wait)
thread.start()
with_thread = can_fork()
busy.set()
thread.join()
print(json.dumps({"child": child, "forkable": forkable, "with_thread": with_thread, "after": can_fork()}))
'''


def test_a_forked_grading_process_has_one_thread_per_pool_and_its_own_session(tmp_path):
    # Caught: the variables a new interpreter reads at start are read too late after a fork; without
    # limiting the loaded pools, the child would keep the batch's two PyTorch threads.
    seen = _scenario(THREADS, str(tmp_path / "batch.log"))
    assert seen["child"] == {"torch": 1, "pools": [1], "omp": "1", "sid": True}
    assert seen["forkable"] and seen["after"] and not seen["with_thread"]


FROZEN = r'''
import gc, json, multiprocessing, os, subprocess, sys, weakref
from autograder.course.pool_process import ForkedProcess, run_forked

inherited = [[i] for i in range(20000)]          # containers the collector tracks, made before the forks

class Node:
    pass

def seen_by_collector():
    ids = {id(x) for x in gc.get_objects()}
    # a grading process starts a program for each submission (its sandbox worker) and must still collect
    # the cyclic garbage it makes meanwhile
    cycle = Node()
    cycle.me = cycle
    gone = weakref.ref(cycle)
    del cycle
    for _ in range(3):
        subprocess.run([sys.executable, "-c", "pass"], preexec_fn=lambda: None, check=True)
    gc.collect()
    return {"inherited_seen": sum(id(x) in ids for x in inherited), "frozen": gc.get_freeze_count(),
            "own_cycle_collected": gone() is None}

def report():
    os.write(1, json.dumps(seen_by_collector()).encode())

def report_to(queue):
    queue.put(seen_by_collector())

log = open(sys.argv[1], "ab")
forked = ForkedProcess(report, log)                     # a grading process
forked.stdin.close()
child = json.loads(forked.stdout.read())
forked.wait(30)
queue = multiprocessing.get_context("fork").SimpleQueue()
from autograder.course.pool_process import heap_frozen_for_forks
with heap_frozen_for_forks():                           # a feedback worker
    worker = multiprocessing.get_context("fork").Process(target=report_to, args=(queue,))
    worker.start()
pooled = queue.get()
worker.join()
command = json.loads(run_forked(report, argv=["report"], cwd=os.getcwd(), env=dict(os.environ)).stdout)
print(json.dumps({"child": child, "pooled": pooled, "command": command, "parent": seen_by_collector()}))
'''


def test_a_forked_process_leaves_the_inherited_heap_out_of_its_collections(tmp_path):
    # Caught: without heap_frozen_for_forks every full collection in a grading process walks the whole
    # inherited heap (PyTorch, nbgrader: ~270,000 objects); a parent left frozen would never collect its own
    # garbage again; and freezing at every fork (a hook) would freeze, at each sandbox worker a grading process
    # starts, the garbage it has not collected yet.
    seen = _scenario(FROZEN, str(tmp_path / "batch.log"))
    for name in ("child", "pooled", "command"):
        assert seen[name]["inherited_seen"] == 0 and seen[name]["frozen"] >= 20000, (name, seen[name])
        assert seen[name]["own_cycle_collected"] is True, name
    assert seen["parent"] == {"inherited_seen": 20000, "frozen": 0, "own_cycle_collected": True}


BOTH_WAYS = r'''
import json, sys
from pathlib import Path
from autograder.course import grading_pool

kinds = []
start = grading_pool._Worker.__init__
def recording(self, log, fork):
    start(self, log, fork)
    kinds.append(type(self.proc).__name__)
grading_pool._Worker.__init__ = recording

answers = {}
for fork in (True, False):
    tasks = [{"id": "stub", "notebook": sys.argv[1], "assignment": sys.argv[2], "config": sys.argv[3],
              "lang": "en", "level": None, "notes": []}]
    replies = {}
    grading_pool.grade_in_parallel(tasks, 1, 240, Path(sys.argv[4]) / f"{fork}.log",
                                   lambda task, reply, s: replies.__setitem__(task["id"], reply), fork=fork)
    answers[str(fork)] = replies["stub"]
print(json.dumps({"kinds": kinds, "answers": answers}))
'''


def test_forked_and_new_interpreter_processes_grade_alike(tmp_path):
    seen = _scenario(BOTH_WAYS, str(RELEASE_DIR / f"{ASSIGNMENT}.ipynb"), ASSIGNMENT, str(ROOT / "grading.yml"),
                     str(tmp_path))
    assert seen["kinds"] == ["ForkedProcess", "Popen"]
    forked, started = (seen["answers"][k]["result"] for k in ("True", "False"))
    for result in (forked, started):
        result.pop("duration_s", None)
        result.pop("timings", None)
    assert forked == started
    assert forked["max_score"] == 100 and forked["score"] == 0


PRELOADED = r'''
import json, sys
from autograder.course.pool_process import can_fork, preload
preload([])                                      # the engine, numpy with it
threads = int(open("/proc/self/status").read().split("Threads:")[1].split()[0])
print(json.dumps({"numpy": "numpy" in sys.modules, "threads": threads, "forkable": can_fork()}))
'''


def test_the_batch_process_loads_the_engine_and_stays_with_one_thread():
    # Caught: numpy's BLAS imported before the one-thread settings starts a helper thread, and the
    # grading processes would then be forked from a process with two threads.
    assert _scenario(PRELOADED) == {"numpy": True, "threads": 1, "forkable": True}


COMMAND_STATE = r'''
import atexit, json, os, sys, tempfile, warnings
from pathlib import Path
from autograder.course.pool_process import can_fork, run_forked, starts_alike

marker = Path(sys.argv[1])
held = open(sys.argv[2], "w")                       # e.g. the gradebook the demo holds open
atexit.register(lambda: marker.open("a").write("parent\n"))
warnings.simplefilter("error")                      # e.g. a test process's settings
tempfile.gettempdir()                               # cached here, from this process's TMPDIR

def main():
    atexit.register(lambda: marker.open("a").write("command\n"))
    warnings.warn("old", PendingDeprecationWarning)  # a new interpreter ignores it
    print(json.dumps({"cwd": os.getcwd(), "path0": sys.path[0], "temp": tempfile.gettempdir(),
                      "who": os.environ.get("WHO"), "fds": sorted(os.listdir("/proc/self/fd"))}))
    print("to stderr\r\n", file=sys.stderr)
    sys.exit(3)

env = {"PATH": os.environ["PATH"], "WHO": "command", "TMPDIR": sys.argv[4],
       **{k: v for k, v in os.environ.items() if k.startswith("PYTHON")}}
assert can_fork() and starts_alike(env) and not starts_alike(dict(env, PYTHONPATH="/elsewhere"))
proc = run_forked(main, argv=["cmd"], cwd=sys.argv[3], env=env)
print(json.dumps({"status": proc.returncode, "out": json.loads(proc.stdout), "err": proc.stderr,
                  "marker": marker.read_text() if marker.exists() else "", "who": os.environ.get("WHO")}))
'''


def test_a_forked_command_starts_as_a_new_interpreter_would(tmp_path):
    # Caught, each: the parent's exit handlers run in the child (marker "parent" twice) or the command's
    # not at all; its warning filters (the warning becomes an error); its cached temporary
    # folder; its folder first on sys.path; its descriptors (the open gradebook); its environment.
    work, temp = tmp_path / "course", tmp_path / "tmp"
    work.mkdir()
    temp.mkdir()
    seen = _scenario(COMMAND_STATE, str(tmp_path / "exit.txt"), str(tmp_path / "gradebook.db"), str(work), str(temp))
    assert seen["status"] == 3 and seen["err"] == "to stderr\n\n"
    assert seen["out"] == {"cwd": str(work), "path0": str(work), "temp": str(temp), "who": "command",
                           "fds": ["0", "1", "2", "3"]}        # 3: the listing's own, closed since
    assert seen["marker"] == "command\n" and seen["who"] is None


NBGRADER_BOTH_WAYS = r'''
import json, os, subprocess, sys
from pathlib import Path
from autograder.course import nbgrader_cli, pool_process
from nbgrader.apps.nbgraderapp import NbGraderApp

# This process ran a command itself, elsewhere: its applications (traitlets keeps one of each) are not the commands'.
(Path(sys.argv[1]) / "parent").mkdir()
NbGraderApp.launch_instance(["db", "student", "add", "lee", f"--CourseDirectory.root={Path(sys.argv[1]) / 'parent'}"])
forked = []
run_forked = pool_process.run_forked
pool_process.run_forked = lambda *a, **k: forked.append(1) or run_forked(*a, **k)
seen = []
for args in (["--version"], ["generate_assignment", "nonexistent"], ["db", "student", "add", "kim"],
             ["db", "student", "list"]):
    answers = []
    for side in ("forked", "started"):
        course = Path(sys.argv[1]) / side
        course.mkdir(exist_ok=True)
        if side == "forked":
            proc = nbgrader_cli.run(course, *args)
        else:
            env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
            proc = subprocess.run(nbgrader_cli.command(*args), cwd=course, env=env, capture_output=True, text=True)
        answers.append([proc.returncode, *(text.replace(str(course), "<course>") for text in (proc.stdout, proc.stderr))])
    seen.append({"args": args, "answers": answers})
print(json.dumps({"seen": seen, "forked": len(forked)}))
'''


def test_nbgrader_commands_forked_answer_as_a_new_interpreter(tmp_path):
    seen = _scenario(NBGRADER_BOTH_WAYS, str(tmp_path))
    assert seen["forked"] == 4
    for case in seen["seen"]:
        forked, started = case["answers"]
        assert forked == started, case["args"]
    statuses = [case["answers"][0][0] for case in seen["seen"]]
    assert statuses[0] == 0 and statuses[1] != 0 and statuses[2:] == [0, 0]
    assert "kim" in seen["seen"][3]["answers"][0][1]
