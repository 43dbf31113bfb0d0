"""Keras peer of the LSTM(64) (bench/peers/lstm.py): windows of 60 steps of one feature, LSTM(64), Dense(1) on the
last hidden state; 5,000 random windows an epoch in batches of 64, Adam, MSE, trained with `model.fit`."""
import keras
import numpy as np
from keras_common import fit_epoch_seconds, keras_report

windows, steps, batch = 5000, 60, 64
model = keras.Sequential([keras.Input(shape=(steps, 1)), keras.layers.LSTM(64), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer=keras.optimizers.Adam(1e-3))
rng = np.random.default_rng(0)
x, y = rng.standard_normal((windows, steps, 1), dtype=np.float32), rng.standard_normal((windows, 1), dtype=np.float32)
seconds = fit_epoch_seconds(model, x, y, batch)
keras_report(seconds=seconds, samples_per_second=windows / seconds)
