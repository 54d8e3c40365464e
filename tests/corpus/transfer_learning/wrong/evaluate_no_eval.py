# question: evaluate
# expect: partial
# why: no model.eval(): dropout stays active
# fails: test_eval_mode
def evaluate(model, loader):
    correct, n = 0, 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
            n += len(labels)
    return correct / n
