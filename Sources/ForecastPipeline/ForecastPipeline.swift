/// The forecast pipeline (in progress: see its issue).
public enum ForecastPipeline {}
