"""Semantic label maps for FastPhotoStyle's label-wise stylisation.

* hand-made: :func:`read_labelme` (labelme JSON polygons; ours are in
  ``hw2/assets/labels``, :func:`labelme_path`) and :func:`read_color_labels`
  (colour-coded PNG maps, RGB or palette) and :func:`colors_to_labels` (exact colour-coded arrays);
* automatic: :func:`hw2.fastphotostyle.labels.ade20k.segment` (pretrained ADE20K segmenter, TFLite)
  and :func:`joint_cluster_labels` (weight-free joint k-means of VGG features);
* utilities: :func:`resize_labels` (nearest), :func:`fit_labels` (resize with a
  warning), :func:`merge_small_regions`, :func:`relabel`, :func:`label_to_rgb`.

Matching is by id: the same id means the same class in the content and the style map.
"""
from .cluster import joint_cluster_labels, kmeans
from .colors import colors_to_labels, read_color_labels
from .functional import (CLASS_COLORS, CLASSES, LabelMapWarning, as_label_map, fit_labels, label_to_rgb,
                         labelme_path, matched_labels, merge_small_regions, rasterize_shapes, read_labelme, relabel,
                         resize_labels)

__all__ = ["CLASSES", "CLASS_COLORS", "LabelMapWarning", "as_label_map", "rasterize_shapes", "read_labelme",
           "labelme_path", "read_color_labels", "colors_to_labels", "resize_labels", "fit_labels",
           "merge_small_regions", "relabel", "label_to_rgb", "matched_labels", "joint_cluster_labels", "kmeans"]
