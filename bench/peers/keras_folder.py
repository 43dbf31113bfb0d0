"""Keras peer of the end-to-end row of `make bench`: Keras's mnist_convnet trained for one epoch on a folder of PNGs,
as a Keras user does it: `keras.utils.image_dataset_from_directory` (grayscale 28x28, batches of 128, 10% held out
for validation, seed 0), prefetched, Rescaling(1/255), then `model.fit` with the validation set. Timed from the
first read of the folder to the end of the fit (the interpreter and TensorFlow import are not counted).

    python bench/peers/keras_folder.py FOLDER
"""
import sys

import keras
import tensorflow as tf
from keras_common import keras_report, mnist_convnet
from common import timed

folder, batch = sys.argv[1], 128


def train():
    training, validation = keras.utils.image_dataset_from_directory(
        folder, color_mode="grayscale", image_size=(28, 28), batch_size=batch, validation_split=0.1, subset="both", seed=0)
    model = mnist_convnet(keras.layers.Rescaling(1 / 255))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"])
    model.fit(training.prefetch(tf.data.AUTOTUNE), validation_data=validation.prefetch(tf.data.AUTOTUNE), epochs=1, verbose=0)


keras_report(seconds=timed(train))
