# question: train_one_epoch
# expect: partial
# why: forgets model.train()
# fails: test_training_mode
def train_one_epoch(model, loader, optimizer, loss_fn):
    total, n = 0.0, 0
    for images, labels in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        n += len(labels)
    return total / n
