"""The codebook of an export and a first study file drafted from it (``cxsurvey init``).

``build_codebook(export, qsf)`` reads the export's header records (names, question
text, ImportIds), its values and, when given, the Qualtrics survey definition, and
classifies every column; ``draft_study(codebook)`` writes the study file text.
Neither knows anything of the command line.
"""
