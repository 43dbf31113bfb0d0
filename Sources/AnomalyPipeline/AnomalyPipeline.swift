/// The anomaly pipeline (in progress: see its issue).
public enum AnomalyPipeline {}
