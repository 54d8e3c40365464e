# question: evaluate
# expect: partial
# why: accuracy in percent
# fails: test_accuracy, test_returns_float, test_uneven_batches
def evaluate(model, loader):
    model.eval()
    correct, n = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
            n += len(labels)
    return 100.0 * correct / n
