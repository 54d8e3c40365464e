# question: train_one_epoch
# expect: partial
# why: never calls optimizer.step()
# fails: test_one_step, test_several_batches, test_stale_gradients
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    total, n = 0.0, 0
    for images, labels in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        total += loss.item() * len(labels)
        n += len(labels)
    return total / n
