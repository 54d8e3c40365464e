"""Value mistakes and right variants of the transfer-learning functions (see tests/value_mistakes.py)."""
from __future__ import annotations

from value_mistakes import Case

TL = [
    Case("ev_count", "evaluate", "factor", "returns the number of correct predictions", '''
def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
    return correct
'''),
    Case("ev_percent", "evaluate", "factor", "returns a percentage", '''
def evaluate(model, loader):
    model.eval()
    hits, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            hits += int((model(x).argmax(1) == y).sum())
            total += len(y)
    return 100.0 * hits / total
'''),
    Case("ev_by_batch_size", "evaluate", "factor", "divides by the batch size", '''
def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
    return correct / loader.batch_size
'''),
    Case("ev_error_rate", "evaluate", "complement", "counts the wrong predictions", '''
def evaluate(model, loader):
    model.eval()
    wrong, n = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            wrong += (model(images).argmax(dim=1) != labels).sum().item()
            n += labels.shape[0]
    return wrong / n
'''),
    Case("tr_total", "train_one_epoch", "factor", "returns the summed loss, not its mean", '''
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    total = 0.0
    for images, labels in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
    return total
'''),
    Case("fb_everything", "freeze_backbone", "dict-entries", "freezes the classifier too", '''
def freeze_backbone(model):
    for p in model.parameters():
        p.requires_grad = False
    return model
'''),
    Case("fb_first_layer", "freeze_backbone", "dict-entries", "freezes the first block only", '''
def freeze_backbone(model):
    for p in model.features[0].parameters():
        p.requires_grad = False
    return model
'''),
    Case("ub_first_block", "unfreeze_last_block", "dict-entries", "unfreezes the first block", '''
def unfreeze_last_block(model):
    for child in model.features.children():
        params = list(child.parameters())
        if params:
            for p in params:
                p.requires_grad = True
            break
    return model
'''),
    Case("rc_one_more", "replace_classifier", "off-by-one", "one output too many", '''
def replace_classifier(model, num_classes):
    model.classifier = nn.Linear(model.classifier.in_features, num_classes + 1)
    return model
'''),
]

TL_RIGHT = [
    Case("ev_ok_concat", "evaluate", None, "collects the predictions, then one mean", '''
def evaluate(model, loader):
    model.eval()
    preds, labels = [], []
    with torch.no_grad():
        for x, y in loader:
            preds.append(model(x).argmax(dim=1))
            labels.append(y)
    return (torch.cat(preds) == torch.cat(labels)).float().mean().item()
'''),
    Case("tr_ok_weighted", "train_one_epoch", None, "weights batch losses by their size", '''
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    losses, sizes = [], []
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        sizes.append(len(y))
    return float(np.average(losses, weights=sizes))
'''),
    Case("fb_ok_requires_grad_", "freeze_backbone", None, "requires_grad_(False) on the module", '''
def freeze_backbone(model):
    model.features.requires_grad_(False)
    return model
'''),
    Case("ub_ok_reversed", "unfreeze_last_block", None, "searches the blocks from the end", '''
def unfreeze_last_block(model):
    for block in reversed(list(model.features)):
        if any(True for _ in block.parameters()):
            block.requires_grad_(True)
            return model
    return model
'''),
]
