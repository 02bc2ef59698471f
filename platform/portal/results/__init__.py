"""Uitslagen (manual 2.5): recent results, lab results with colour codes and graphs,
measurements, microbiology, pathology, radiology and nuclear imaging with its images."""
