# question: replace_classifier
# expect: full
# why: reads the number of features from the old weight's shape, torch.nn spelled out
def replace_classifier(model, num_classes):
    n_features = model.classifier.weight.shape[1]
    model.classifier = torch.nn.Linear(n_features, num_classes, bias=True)
    return model
