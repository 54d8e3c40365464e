# question: train_one_epoch
# expect: partial
# why: returns the mean of the batch losses, as a tensor
# fails: test_mean_loss, test_returns_float
def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    losses = []
    for images, labels in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return torch.stack(losses).mean()
