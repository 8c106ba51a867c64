"""Stage 4, judge: a sentence classifier trained on the corpus (classifier.py: TF-IDF
model, blend, calibration, nearest corpus sentences; encoder.py: the fine-tuned MiniLM run
with onnxruntime). The trained files are in checker/judge_model/.

In: sentences. Out: p(claim), the likely cautions and the most similar labelled sentences.
"""
