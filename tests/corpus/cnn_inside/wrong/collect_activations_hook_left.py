# question: collect_activations
# expect: partial
# why: never removes its hooks
# fails: test_hooks_removed_on_error, test_no_hook_left
# names: handle.remove()
def collect_activations(model, layer_names, x):
    modules = dict(model.named_modules())
    activations = {}
    for name in layer_names:
        modules[name].register_forward_hook(lambda m, i, o, name=name: activations.__setitem__(name, o.detach()))
    with torch.no_grad():
        model(x)
    return activations
