# question: train_one_epoch
# expect: partial
# why: no zero_grad: gradients accumulate over the batches
# fails: test_several_batches, test_stale_gradients
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    total, n = 0.0, 0
    for images, labels in loader:
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        n += len(labels)
    return total / n
