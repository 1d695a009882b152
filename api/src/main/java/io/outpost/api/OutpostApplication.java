package io.outpost.api;

import org.springframework.boot.SpringApplication;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Outpost sync server. */
@SpringBootApplication(scanBasePackages = "io.outpost")
@ConfigurationPropertiesScan("io.outpost")
@EnableScheduling
public class OutpostApplication {

    public static void main(String[] args) {
        SpringApplication.run(OutpostApplication.class, args);
    }
}
