package io.outpost.api.web;

/** A deviceId bound to another user of the tenant was used ({@code device_bound_to_other_user}); names the device. */
public class DeviceRefusedException extends ApiException {

    private final String deviceId;

    public DeviceRefusedException(String deviceId) {
        super(ErrorCode.DEVICE_BOUND_TO_OTHER_USER, "device " + deviceId + " is bound to another user");
        this.deviceId = deviceId;
    }

    public String deviceId() {
        return deviceId;
    }
}
