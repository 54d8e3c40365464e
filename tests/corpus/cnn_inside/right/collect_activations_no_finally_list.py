# question: collect_activations
# expect: full
# why: a context manager style: handles kept in a list, removed in finally, outputs detached by no_grad
def collect_activations(model, layer_names, x):
    found, handles = {}, []
    try:
        for name, module in model.named_modules():
            if name in layer_names:
                handles.append(module.register_forward_hook(
                    lambda mod, inp, out, key=name: found.update({key: out})))
        with torch.no_grad():
            model(x)
    finally:
        while handles:
            handles.pop().remove()
    return found
