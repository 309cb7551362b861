"""Writes the .npy fixtures of NpyTest with numpy (np.save / np.lib.format.write_array).

Values: element i (C order) of a (2, 3, 4) array is
  bool:     i % 3 == 0
  integers: i*i*31 - 200, cast with numpy's wrap-around (astype from int64)
  float16:  (i - 12) * 0.25
  float32/64: (i*i*31 - 200) / 8
Files: <dtype>_<le|be>_<c|f>.npy (format 1.0), <dtype>_v2.npy and <dtype>_v3.npy (little-endian, C),
scalar.npy (0-d int32 7), vector.npy (float64 [1.5, -2, 3]), empty.npy (int16 shape (0, 3)),
extremes_int64.npy, extremes_uint64.npy.
"""
import numpy as np

TYPES = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
         "float16", "float32", "float64"]


def values(t):
    i = np.arange(24, dtype=np.int64)
    if t == "bool":
        return (i % 3 == 0).reshape(2, 3, 4)
    if t == "float16":
        return ((i - 12) * 0.25).astype(np.float16).reshape(2, 3, 4)
    if t.startswith("float"):
        return ((i * i * 31 - 200) / 8).astype(t).reshape(2, 3, 4)
    return (i * i * 31 - 200).astype(t).reshape(2, 3, 4)


for t in TYPES:
    a = values(t)
    for endian in ["le", "be"]:
        for order in ["c", "f"]:
            b = a.astype(a.dtype.newbyteorder("<" if endian == "le" else ">"))
            b = np.asfortranarray(b) if order == "f" else np.ascontiguousarray(b)
            np.save(f"{t}_{endian}_{order}.npy", b)
    for v in [2, 3]:
        with open(f"{t}_v{v}.npy", "wb") as f:
            np.lib.format.write_array(f, a, version=(v, 0))

np.save("scalar.npy", np.array(7, dtype=np.int32))
np.save("vector.npy", np.array([1.5, -2, 3], dtype=np.float64))
np.save("empty.npy", np.zeros((0, 3), dtype=np.int16))
np.save("extremes_int64.npy", np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max, -1, 0], dtype=np.int64))
np.save("extremes_uint64.npy", np.array([0, 2**64 - 1, 2**63, 1], dtype=np.uint64))
