# question: evaluate
# expect: partial
# why: mean of the per-batch accuracies, returned as a tensor
# fails: test_accuracy, test_returns_float, test_uneven_batches
def evaluate(model, loader):
    model.eval()
    accuracies = []
    with torch.no_grad():
        for images, labels in loader:
            accuracies.append((model(images).argmax(dim=1) == labels).float().mean())
    return torch.stack(accuracies).mean()
