"""The IOC analytics: a daily aggregate of the violation flow, kept by a job, and the reads behind the
/analytics dashboard. It sits above payments (it counts payments) and below the web pages."""
