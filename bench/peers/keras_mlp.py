"""Keras peer of the MLP 784-512-256-10 (bench/peers/mlp.py): 200 steps of batch 128, Adam 1e-3, cross-entropy on
logits, trained with `model.fit`."""
import keras
import numpy as np
from keras_common import fit_epoch_seconds, keras_report

batch, steps = 128, 200
model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(512, activation="relu"),
                          keras.layers.Dense(256, activation="relu"), keras.layers.Dense(10)])
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer=keras.optimizers.Adam(1e-3))
rng = np.random.default_rng(0)
x = np.tile(rng.standard_normal((batch, 784), dtype=np.float32), (steps, 1))
y = np.tile(rng.integers(0, 10, batch), steps)
seconds = fit_epoch_seconds(model, x, y, batch)
keras_report(seconds=seconds, samples_per_second=steps * batch / seconds)
