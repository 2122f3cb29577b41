welcome = Welcome to { $name }
