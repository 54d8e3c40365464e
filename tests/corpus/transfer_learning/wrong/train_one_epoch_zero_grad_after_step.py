# question: train_one_epoch
# expect: partial
# why: zero_grad after the step: the first batch uses leftover gradients
# fails: test_stale_gradients
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    total, n = 0.0, 0
    for images, labels in loader:
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total += loss.item() * len(labels)
        n += len(labels)
    return total / n
