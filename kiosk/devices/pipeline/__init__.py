"""The page pipeline: OpenCV analysis, per-page encoding (G4 / MRC / JPEG), component PDFs."""
