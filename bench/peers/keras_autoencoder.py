"""Keras peer of the convolutional autoencoder (bench/peers/autoencoder.py) in NHWC: three stride-2 Conv2D (16, 32,
64, ReLU) down, three stride-2 Conv2DTranspose (32, 16 ReLU; 1 sigmoid) up, on 64x64x1; 2,000 random images an
epoch in batches of 32, Adam 1e-3, MSE against the input, trained with `model.fit`."""
import keras
import numpy as np
from keras_common import fit_epoch_seconds, keras_report

layers = keras.layers
batch, samples = 32, 2000
model = keras.Sequential([
    keras.Input(shape=(64, 64, 1)),
    layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
    layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
    layers.Conv2D(64, 3, strides=2, padding="same", activation="relu"),
    layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu"),
    layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
    layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
])
model.compile(loss="mse", optimizer=keras.optimizers.Adam(1e-3))
images = np.random.default_rng(0).random((samples, 64, 64, 1), dtype=np.float32)
seconds = fit_epoch_seconds(model, images, images, batch)
keras_report(seconds=seconds, samples_per_second=samples / seconds)
