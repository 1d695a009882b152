package io.outpost.api;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.core.metrics.jfr.FlightRecorderApplicationStartup;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The Outpost sync server. */
@SpringBootApplication(scanBasePackages = "io.outpost")
@ConfigurationPropertiesScan("io.outpost")
@EnableScheduling
public class OutpostApplication {

    /**
     * With {@code -Doutpost.startup.jfr=true} (and a JFR recording, e.g. {@code -XX:StartFlightRecording}) every
     * step of the start-up (each bean's creation, with its name) is a JFR event: where the seconds to healthy go.
     */
    static final String STARTUP_JFR = "outpost.startup.jfr";

    public static void main(String[] args) {
        SpringApplication app = new SpringApplication(OutpostApplication.class);
        if (Boolean.getBoolean(STARTUP_JFR)) app.setApplicationStartup(new FlightRecorderApplicationStartup());
        app.run(args);
    }
}
