package org.glorycard.his;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A Spring Boot HIS with nothing of its own: everything glorycard comes from the starter. */
@SpringBootApplication
public class HisApplication {}
