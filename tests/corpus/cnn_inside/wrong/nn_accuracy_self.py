# question: nn_accuracy
# expect: partial
# why: each point is its own nearest neighbour (distance 0): always 1.0
# fails: test_clusters, test_hand_example, test_random
# names: 자기 자신을 빼세요
def nn_accuracy(embedding, labels):
    dist = ((embedding[:, None, :] - embedding[None, :, :]) ** 2).sum(axis=2)
    return float((labels[dist.argmin(axis=1)] == labels).mean())
