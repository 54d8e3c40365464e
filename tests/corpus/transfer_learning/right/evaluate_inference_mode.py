# question: evaluate
# expect: full
# why: torch.inference_mode, softmax before argmax, counts with a Python int
def evaluate(model, loader):
    model.eval()
    hits = total = 0
    with torch.inference_mode():
        for images, labels in loader:
            probabilities = torch.softmax(model(images), dim=1)
            hits += int((probabilities.argmax(1) == labels).sum())
            total += len(labels)
    return hits / total
