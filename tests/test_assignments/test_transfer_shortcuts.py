"""The shipped modules' two speed shortcuts change no result.

* ``tl_data`` reads scikit-learn's digits file itself instead of importing
  scikit-learn (about 1 s per notebook run): the arrays must be exactly those of
  ``sklearn.datasets.load_digits``, and scikit-learn must stay unimported.
* ``tl_model`` lets ``torch.optim`` optimizers run without importing
  ``torch._dynamo`` (about 1 s per process): every optimizer the grader accepts
  must update the parameters bit for bit as plain torch does, without that
  import; once something imports ``torch._dynamo`` (``torch.compile`` does),
  torch's own wrappers take over again.

Each side runs in a fresh interpreter, since both shortcuts are about what a
process imports.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from conftest import tool_env
from test_assignments.test_transfer_support import SOURCE_DIR


def _run(code: str, tmp_path=None) -> dict:
    proc = subprocess.run([sys.executable, "-c", code], cwd=SOURCE_DIR, env=tool_env(), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_digits_are_those_of_load_digits_without_importing_scikit_learn(tmp_path):
    out = tmp_path / "digits.npz"
    facts = _run(f"""
import json, sys
import numpy as np
import tl_data
images, labels = tl_data._digits()
splits = {{f"{{t}}_{{s}}": tl_data._split(t, s) for t, s in
          [("source", "train"), ("source", "test"), ("target", "train"), ("target", "val"), ("target", "test")]}}
np.savez({str(out)!r}, images=images, labels=labels, **{{k + "_x": v[0] for k, v in splits.items()}},
         **{{k + "_y": v[1] for k, v in splits.items()}})
print(json.dumps({{"sklearn": "sklearn" in sys.modules, "scipy": "scipy" in sys.modules}}))
""")
    assert facts == {"sklearn": False, "scipy": False}
    from sklearn.datasets import load_digits
    bunch = load_digits()
    saved = np.load(out)
    expected_images = (bunch.images / 16.0).astype(np.float32)
    assert saved["images"].dtype == np.float32 and np.array_equal(saved["images"], expected_images)
    assert saved["labels"].dtype == np.int64 and np.array_equal(saved["labels"], bunch.target)
    sizes = {k[:-2]: len(saved[k]) for k in saved.files if k.endswith("_y")}
    assert sizes == {"source_train": 721, "source_test": 180, "target_train": 50, "target_val": 100,
                     "target_test": 746}


_TRAIN = """
import json, sys
import numpy as np
import torch
from torch import nn
if {shortcut}:
    import tl_model
results = {{}}
settings = [("SGD", {{}}), ("SGD", {{"momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}}), ("Adam", {{}}),
            ("Adam", {{"amsgrad": True, "foreach": False}}), ("AdamW", {{"weight_decay": 0.1}}), ("RMSprop", {{}}),
            ("Adagrad", {{}}), ("Adamax", {{}}), ("NAdam", {{}}), ("RAdam", {{}}), ("Adadelta", {{}}), ("ASGD", {{}}),
            ("Rprop", {{}})]
for i, (name, kwargs) in enumerate(settings):
    torch.manual_seed(i)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 10 * 10, 5))
    model[0].bias.requires_grad_(False)
    optimizer = getattr(torch.optim, name)([p for p in model.parameters() if p.requires_grad], lr=0.01, **kwargs)
    x, y = torch.randn(8, 1, 12, 12), torch.randint(0, 5, (8,))
    losses = []
    for step in range(4):
        optimizer.zero_grad(set_to_none=step % 2 == 0)
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    optimizer.load_state_dict(optimizer.state_dict())
    closure_loss = optimizer.step(lambda: nn.functional.cross_entropy(model(x), y))
    assert torch.is_grad_enabled()
    results[f"{{name}}{{i}}"] = [losses, float(closure_loss)] + [p.detach().double().flatten().tolist()
                                                                 for p in model.parameters()]
print(json.dumps({{"dynamo": "torch._dynamo" in sys.modules, "results": results}}))
"""


def test_optimizers_step_bit_for_bit_as_plain_torch_without_importing_the_compiler():
    plain = _run(_TRAIN.format(shortcut=False))
    fast = _run(_TRAIN.format(shortcut=True))
    assert plain["dynamo"] is True        # what the shortcut saves: plain torch imports it
    assert fast["dynamo"] is False
    assert fast["results"].keys() == plain["results"].keys()
    for key, values in plain["results"].items():
        assert fast["results"][key] == values, key    # exact equality of every float


def test_torch_takes_over_again_once_the_compiler_is_imported():
    facts = _run("""
import json, sys
import torch
from torch import nn
import tl_model
inner = torch.optim.Optimizer.zero_grad
fn = dict(zip(inner.__code__.co_freevars, (c.cell_contents for c in inner.__closure__)))["fn"]
lazy = getattr(fn, "__dynamo_disable")
model = nn.Linear(3, 2)
optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
before = getattr(fn, "__dynamo_disable") is lazy and "torch._dynamo" not in sys.modules
import torch._dynamo
optimizer.zero_grad()
model(torch.ones(1, 3)).sum().backward()
optimizer.step()
after = getattr(fn, "__dynamo_disable")
print(json.dumps({"before": before, "replaced": after is not lazy,
                  "torch_wrapper": after.__module__ == "torch._dynamo.eval_frame",
                  "taken_again": tl_model._optimizers_without_compiler_import()}))
""")
    assert facts == {"before": True, "replaced": True, "torch_wrapper": True, "taken_again": 0}
