/// The classify pipeline (in progress: see its issue).
public enum ClassifyPipeline {}
