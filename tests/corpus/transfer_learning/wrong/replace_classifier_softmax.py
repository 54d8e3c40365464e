# question: replace_classifier
# expect: partial
# why: wraps the layer with a softmax in nn.Sequential
# fails: test_other_width, test_pretrained_five
def replace_classifier(model, num_classes):
    model.classifier = nn.Sequential(nn.Linear(model.classifier.in_features, num_classes), nn.Softmax(dim=1))
    return model
