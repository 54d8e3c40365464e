# question: evaluate
# expect: partial
# why: mean of the per-batch accuracies, returned as a tensor
def evaluate(model, loader):
    model.eval()
    accuracies = []
    with torch.no_grad():
        for images, labels in loader:
            accuracies.append((model(images).argmax(dim=1) == labels).float().mean())
    return torch.stack(accuracies).mean()
