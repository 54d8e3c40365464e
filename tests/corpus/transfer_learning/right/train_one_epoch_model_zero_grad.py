# question: train_one_epoch
# expect: full
# why: model.zero_grad(set_to_none=True), counts samples with len(), accumulates a weighted sum
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    weighted, seen = 0.0, 0
    for x, y in loader:
        model.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        weighted += float(loss.detach()) * len(y)
        seen += len(y)
    return weighted / seen
