package io.outpost.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG charts of a benchmark's samples (JFreeChart, headless). */
final class Chart {

    static final int WIDTH = 900;
    static final int HEIGHT = 420;
    private static final double MIB = 1024.0 * 1024;

    private Chart() {
    }

    /**
     * The server's memory over a run: resident set, heap in use and live heap after GC (MiB) by second, a marker at
     * the end of the warm-up and the 512 MiB line of issue 17.
     */
    static void memory(Path png, String title, List<FleetBenchmark.Sample> samples, double warmupSeconds)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries rss = new XYSeries("resident set (RSS)");
        XYSeries used = new XYSeries("heap in use");
        XYSeries live = new XYSeries("live heap after the last GC");
        for (FleetBenchmark.Sample s : samples) {
            if (s.rss() >= 0) rss.add(s.seconds(), s.rss() / MIB);
            if (!Double.isNaN(s.heapUsed())) used.add(s.seconds(), s.heapUsed() / MIB);
            // the JVM reports 0 until its first full collection
            if (!Double.isNaN(s.liveData()) && s.liveData() > 0) live.add(s.seconds(), s.liveData() / MIB);
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(rss);
        data.addSeries(used);
        data.addSeries(live);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "seconds", "MiB", data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setSeriesPaint(0, new Color(0x1f77b4));
        renderer.setSeriesPaint(1, new Color(0xff7f0e));
        renderer.setSeriesPaint(2, new Color(0x2ca02c));
        for (int i = 0; i < 3; i++) renderer.setSeriesStroke(i, new BasicStroke(2f));
        plot.setRenderer(renderer);
        ValueMarker limit = new ValueMarker(512);
        limit.setPaint(Color.RED);
        limit.setLabel("512 MiB");
        limit.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_RIGHT);
        limit.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_RIGHT);
        plot.addRangeMarker(limit);
        if (warmupSeconds > 0) {
            ValueMarker warm = new ValueMarker(warmupSeconds);
            warm.setPaint(Color.GRAY);
            warm.setLabel("end of warm-up");
            plot.addDomainMarker(warm);
        }
        plot.getRangeAxis().setLowerBound(0);
        plot.getRangeAxis().setUpperBound(Math.max(600, rss.getMaxY() * 1.1));
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }
}
