"""Score parts, registered in fusion order. A new part is one module with a :class:`ScorePart` subclass plus
its line here; the fusion weighs it by its ``name``."""
from workbench.recommend.parts.base import Batch, Revision, ScorePart, TrainingData
from workbench.recommend.parts.codes import CodesPart
from workbench.recommend.parts.definition import DefinitionPart
from workbench.recommend.parts.head import HeadPart
from workbench.recommend.parts.knn import KnnPart
from workbench.recommend.parts.lexical import LexicalPart

PARTS: dict[str, type[ScorePart]] = {p.name: p for p in (HeadPart, KnnPart, DefinitionPart, CodesPart, LexicalPart)}

__all__ = ["PARTS", "Batch", "Revision", "ScorePart", "TrainingData"]
