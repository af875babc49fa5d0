/// The scales of `torch.nn.init` and of hidden-networks' builder, computed in float64 in the order Python
/// evaluates them (the last bit of the float32 they round to depends on it).
public enum TorchInitFormulas {
    /// `kaiming_uniform_(w, a=√5)`, the default init of `nn.Conv2d` and of SubnetConv's scores:
    /// gain = √(2 / (1 + a²)), std = gain / √fan_in, bound = √3 · std. For fan_in 147, 0.08247860988423224.
    public static func defaultUniformBound(fanIn: Int) -> Double {
        let a = 5.0.squareRoot()
        // Python's a ** 2 is 5.000000000000001, the rounded square.
        let gain = (2.0 / (1 + a * a)).squareRoot()
        let deviation = gain / Double(fanIn).squareRoot()
        return 3.0.squareRoot() * deviation
    }

    /// The builder's σ for ReLU, gain / √fan with gain = √2: the signed constant's magnitude and the Kaiming-normal
    /// standard deviation. With `scale_fan`, fan is first multiplied by (1 − prune_rate) as a float64.
    public static func reluStandardDeviation(fan: Int, scaleFanPruneRate: Double? = nil) -> Double {
        var scaledFan = Double(fan)
        if let pruneRate = scaleFanPruneRate { scaledFan = scaledFan * (1 - pruneRate) }
        return 2.0.squareRoot() / scaledFan.squareRoot()
    }

    /// `kaiming_uniform_(w, mode=fan_in, nonlinearity=relu)`: √3 · √2 / √fan_in.
    public static func reluUniformBound(fanIn: Int) -> Double {
        3.0.squareRoot() * (2.0.squareRoot() / Double(fanIn).squareRoot())
    }

    /// `xavier_normal_` (gain 1) and the builder's `xavier_constant`: √(2 / (fan_in + fan_out)).
    public static func xavierStandardDeviation(fanIn: Int, fanOut: Int) -> Double {
        (2.0 / Double(fanIn + fanOut)).squareRoot()
    }
}
