"""The notebook layer: IPython magics and rich views. Imported by ``%load_ext griffin_lab``."""
