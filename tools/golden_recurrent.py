"""Golden fixtures for recurrent layers and embeddings: Tests/PlexusTests/Fixtures/recurrent.json.

Discovered by make_golden.py (`python3 tools/make_golden.py`).

LSTM / GRU cases (op "lstm" / "gru") run torch.nn.LSTM / torch.nn.GRU with batch_first=True through
torch.func.functional_call, so every parameter is a case input and gets a gradient:
  inputs = [x (N, T, F), h0 (layers, N, H) and c0 (LSTM) when attrs.initial_state, then the parameters in
            attrs.parameters order (PyTorch's names: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ...)]
  output = the full sequence (N, T, H), or out[:, -1, :] (N, H) when attrs.return_sequences is false.
PyTorch's oneDNN path is switched off so the reference is ATen's plain per-step implementation.

Embedding cases (op "embedding"): inputs = [indices (integral floats, no gradient), weight];
output = F.embedding(indices, weight, padding_idx) of shape indices.shape + (dim,).
"""

import math
import warnings

import torch
import torch.nn.functional as F

from make_golden import FixtureFile, const, normal, uniform

# torch.backends.mkldnn.flags() warns about TF32 on Intel GPUs, irrelevant here.
warnings.filterwarnings("ignore", message="TF32 acceleration")


def recurrent_case(f, name, cell, n, t, features, hidden, layers=1, initial_state=False, return_sequences=True,
                   bias=True):
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](
        features, hidden, num_layers=layers, bias=bias, batch_first=True)
    names = [p for p, _ in module.named_parameters()]
    shapes = [tuple(value.shape) for _, value in module.named_parameters()]
    states = (2 if cell == "lstm" else 1) if initial_state else 0
    bound = 1 / math.sqrt(hidden)  # PyTorch's default init range

    def run(x, *rest, **attrs):
        state = None
        if initial_state:
            state = (rest[0], rest[1]) if cell == "lstm" else rest[0]
        parameters = dict(zip(names, rest[states:]))
        with torch.backends.mkldnn.flags(enabled=False):
            out, _ = torch.func.functional_call(module, parameters, (x, state))
        return out if return_sequences else out[:, -1, :]

    inputs = [normal(n, t, features)] + [normal(layers, n, hidden)] * states
    inputs += [uniform(-bound, bound, *shape) for shape in shapes]
    f.case(name, cell, run, inputs, {"hidden_size": hidden, "layers": layers, "initial_state": initial_state,
                                     "return_sequences": return_sequences, "bias": bias, "parameters": names})


def embedding(indices, weight, padding_idx):
    return F.embedding(indices.long(), weight, padding_idx=padding_idx)


def build() -> FixtureFile:
    f = FixtureFile("recurrent.json")
    for cell in ("lstm", "gru"):
        # Odd sizes: T=5, F=3, H=4, N=2.
        recurrent_case(f, f"{cell}_sequence", cell, 2, 5, 3, 4)
        recurrent_case(f, f"{cell}_last_initial_state", cell, 2, 5, 3, 4, initial_state=True, return_sequences=False)
        recurrent_case(f, f"{cell}_2_layers_initial_state", cell, 2, 5, 3, 4, layers=2, initial_state=True)
        recurrent_case(f, f"{cell}_2_layers_last", cell, 3, 4, 2, 5, layers=2, return_sequences=False)
        recurrent_case(f, f"{cell}_no_bias_one_step", cell, 3, 1, 2, 3, bias=False, initial_state=True)

    # Repeated indices accumulate gradient; the padding row (1) gets none but is still read.
    indices = [[1, 4, 1], [0, 5, 4]]
    for name, padding in [("embedding", None), ("embedding_padding", 1)]:
        f.case(name, "embedding", embedding, [const(indices), normal(6, 3)], {"padding_idx": padding}, nondiff=(0,))
    return f
