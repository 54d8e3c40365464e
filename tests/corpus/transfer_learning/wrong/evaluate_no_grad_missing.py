# question: evaluate
# expect: partial
# why: builds the autograd graph (no torch.no_grad())
# fails: test_no_grad
def evaluate(model, loader):
    model.eval()
    correct, n = 0, 0
    for images, labels in loader:
        correct += (model(images).argmax(dim=1) == labels).sum().item()
        n += len(labels)
    return correct / n
