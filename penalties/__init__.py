"""After the violation event, along the data path: cameras → runs → candidates → review → notices;
law (fine tables, assessment, points) underneath. See the README's Architecture section."""
