/// The cluster pipeline (in progress: see its issue).
public enum ClusterPipeline {}
