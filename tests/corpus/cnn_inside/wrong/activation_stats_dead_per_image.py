# question: activation_stats
# expect: partial
# why: a filter counts as dead when it is zero on some image, not on the whole batch
# fails: test_dead_filters, test_hand_example
# names: 모든 이미지, 모든 위치
def activation_stats(activation):
    sparsity = (activation == 0).float().mean().item()
    dead_somewhere = (activation.flatten(2).amax(dim=2) == 0).any(dim=0)
    return sparsity, dead_somewhere.float().mean().item()
